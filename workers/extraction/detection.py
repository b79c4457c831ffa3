"""Is an article mainly about one harmful event? Named features, weighed by a learned classifier.

The headline (or, without one, the opening sentence) and the lead must name the event, and people
must have come to harm; a story about the aid, a trial, the politics or a film of an event is about
something else unless its headline counts the harm; sport and markets use "crash" and "shot" in
other senses; a death of illness is an obituary. Each of these is a feature; the weights come from
the labelled train parts (models/detection.json), the hand weights below only stand in when no
trained file ships.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from workers.extraction import event_types, lexicon, victims
from workers.extraction.figures import THREAT, Figure
from workers.extraction.learned import Classifier
from workers.extraction.text import Names, Sentence

_WORDS = lexicon.casualties()
_SPORT_OR_MARKETS = lexicon.topic("sport_and_markets")
_ASPECT = lexicon.topic("aftermath")
_LEGAL = lexicon.topic("legal")
_YEAR = re.compile(r"\b((?:19|20)\d\d)\b")
_HARMED = re.compile(rf"\b(?:{_WORDS.killed}|{_WORDS.injured}|{_WORDS.taken})\b", re.IGNORECASE)
_FIGURATIVE = lexicon.topic("figurative")
# The event as the occasion of the story: "... after the Las Vegas shooting", "... over 1998 bombing".
_OCCASION = re.compile(r"\b(?:after|over|following|since|amid|in\s+wake\s+of)\b(?!.*\b(?:after|over|following)\b)",
                       re.IGNORECASE)
# An article is reported as an incident above this probability: on the train parts 0.6 halves the
# false alarms on the BBC set against 0.5 for 1.5% fewer local shooting reports found.
THRESHOLD = 0.6

# Hand weights: the fallback when no trained file ships, and the sign each trained weight keeps.
_HAND = {
    "lead_type_score": 0.3, "type_score": 0.2, "headline_names_event": 0.5, "headline_names_type": 0.5,
    "headline_harm": 1.0, "lead_strong_figure": 1.0, "lead_figure": 0.5, "lead_harm": 0.3, "lead_harmed": 0.8,
    "lead_told_with_harm": 0.5, "told_with_harm": 0.5, "lead_victims": 1.0, "lead_victims_killed": 0.2,
    "no_harm": -2.5, "aspect_headline": -2.5, "natural_death": -3.0, "sport_headline": -2.0, "sport_lead": -1.0,
    "old_year": -0.5, "old_year_legal": -3.0, "figurative_headline": -1.5, "headline_trigger_only_later": -1.0,
    "title_silent": -1.0, "title_silent_lead_tells": 0.5, "type_sentences": 0.3, "figure_anywhere": 0.3,
}
CLASSIFIER = Classifier("detection", _HAND, hand_bias=-2.5)


@dataclass(frozen=True)
class Evidence:
    """What detection saw, for the incident's record and for tests."""

    probability: float
    features: dict[str, float]


def headline(sentences: Sequence[Sentence]) -> list[Sentence]:
    """The title; an article without one (some feeds give none) opens with its lead sentence."""
    titles = [s for s in sentences if s.source == "title"]
    return titles or [s for s in sentences if s.source == "text" and s.index == 0]


def lead(sentences: Sequence[Sentence], size: int = 3) -> list[Sentence]:
    return [s for s in sentences if s.source == "title" or s.index < size]


def old_year(sentences: Sequence[Sentence], published: date | None) -> int | None:
    """A year before publication right beside the event ("the 1998 bombing", "the crash in 2009")
    in the headline or opening: the incident is an old one."""
    if published is None:
        return None
    for sentence in sentences:
        if sentence.source == "text" and sentence.index > 1:
            continue
        for found in _YEAR.finditer(sentence.text):
            year = int(found.group(1))
            if year < published.year:
                around = sentence.text[max(0, found.start() - 30):found.end() + 30]
                if event_types.names_any_event(around):
                    return year
    return None


def features(sentences: Sequence[Sentence], event: event_types.EventGuess, found: Sequence[Figure],
             names: Names, published: date | None) -> dict[str, float]:
    """The named features of one candidate incident (its sentences, type, figures, victims)."""
    head = headline(sentences)
    opening = lead(sentences)
    head_text = " ".join(s.text for s in head)
    lead_scores, _ = event_types.type_scores(opening)
    lead_figures = _in([f for f in found if f.excluded is None], opening)
    lead_counted = victims.count_victims(lead(sentences, 4), names)
    strong = [f for f in lead_figures if not f.weak and not f.quantity.vague]
    head_harm = bool(_WORDS.headline_harm.search(head_text))
    names_event = event_types.names_any_event(head_text)
    harm_in_lead = any(_WORDS.harm.search(s.text) for s in opening)
    own = event_types.TYPES[event.event_type]
    told_with_harm = [s for s in sentences if own.find(s.text) and _HARMED.search(s.text)]
    year = old_year(sentences, published)
    # A real headline (some feeds give none) that names neither the event nor any harm.
    silent = any(s.source == "title" for s in head) and not names_event and not head_harm
    return {
        "lead_type_score": min(lead_scores.get(event.event_type, 0.0), 10.0) / 2,
        "type_score": min(event.score, 20.0) / 4,
        "headline_names_event": float(names_event),
        "headline_names_type": float(event_types.names_type(event.event_type, head_text)),
        "headline_harm": float(head_harm),
        "headline_trigger_only_later": float(not names_event and not head_harm),
        "title_silent": float(silent),
        # ... but an aftermath story under such a headline opens with the event and its toll.
        "title_silent_lead_tells": float(silent and (bool(strong) or any(s in opening for s in told_with_harm))),
        "lead_strong_figure": float(bool(strong)),
        "lead_figure": float(bool(lead_figures)),
        "lead_harm": float(harm_in_lead),
        "lead_harmed": float(any(_HARMED.search(s.text) for s in opening)),
        "lead_told_with_harm": float(min(2, sum(1 for s in told_with_harm if s in opening))),
        "told_with_harm": float(bool(told_with_harm)),
        # An aftermath story keeps coming back to its event, and gives its toll somewhere.
        "type_sentences": min(5, sum(1 for s in sentences if event_types.names_type(event.event_type, s.text))) / 5,
        "figure_anywhere": float(any(f.excluded is None and not f.quantity.vague for f in found)),
        "figurative_headline": float(bool(_FIGURATIVE.search(head_text))),
        "lead_victims": float(lead_counted.victims > 0),
        "lead_victims_killed": float(lead_counted.killed > 0),
        "no_harm": float(not strong and any(_WORDS.no_harm.search(s.text) for s in opening)),
        "aspect_headline": float(bool(_ASPECT.search(head_text)) and not head_harm),
        "natural_death": float(any(_WORDS.natural_death.search(s.text) for s in lead(sentences, 4))),
        "sport_headline": float(bool(_SPORT_OR_MARKETS.search(head_text)) and not strong),
        "sport_lead": float(len({m.group(0).lower() for s in opening for m in _SPORT_OR_MARKETS.finditer(s.text)})
                            >= 3),
        "old_year": float(year is not None),
        "old_year_legal": float(year is not None and bool(_LEGAL.search(head_text))),
    }


def _in(found: Sequence[Figure], sentences: Sequence[Sentence]) -> list[Figure]:
    keys = {(s.source, s.index) for s in sentences}
    return [f for f in found if (f.sentence.source, f.sentence.index) in keys]


def vetoed(sentences: Sequence[Sentence], event: event_types.EventGuess, published: date | None) -> str | None:
    """Labelling rules that no weight may overturn (docs/labelling.md): a court story about an old
    crime is not the crime, a threat is not an attack, and a story about something else that names
    the event only as its occasion ("Senate debates gun control after Las Vegas shooting") is not
    the event."""
    head = headline(sentences)
    head_text = " ".join(s.text for s in head)
    opening = lead(sentences)
    harm_said = [(s.text, m) for s in [*head, *opening] for m in _WORDS.harm.finditer(s.text)]
    if harm_said and all(THREAT.search(text[max(0, m.start() - 40):m.start()]) for text, m in harm_said):
        return "a threat: every harm the headline and lead name is still to come"
    if _WORDS.headline_harm.search(head_text) and not _WORDS.no_harm.search(head_text):
        return None
    if old_year(sentences, published) is not None and _LEGAL.search(head_text):
        return "a court story about an old incident"
    if (any(_WORDS.no_harm.search(s.text) for s in head) and not any(_HARMED.search(_WORDS.no_harm.sub("", s.text))
                                                                     for s in opening)):
        return "a near miss: the headline says nobody was hurt"
    if _ASPECT.search(head_text):
        first = event_types.TYPES[event.event_type].find(head_text)
        if first and _OCCASION.search(head_text[max(0, first[0].start() - 60):first[0].start()]):
            return "a story about something else, after the incident"
    return None


def judge(sentences: Sequence[Sentence], event: event_types.EventGuess, found: Sequence[Figure],
          names: Names, published: date | None, primary: bool = True) -> Evidence:
    named = features(sentences, event, found, names, published)
    probability = CLASSIFIER.probability(named, primary=primary)
    return Evidence(0.0 if vetoed(sentences, event, published) else probability, named)
