"""The extraction rules' words, kept as data (the .toml files beside this one) and compiled once.

- events.toml: one table per event type: category, trigger verbs (every form generated from the
  lemma), nouns, patterns, cues and exclusions.
- casualties.toml: words of death, injury and harm, and nouns for people (victims).
- topics.toml: what a story is about when harm words appear in passing (sport, markets, trials).

Everything here is read by the rules through the functions below; no rule keeps a list of its own.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
_FORMS = ("VB", "VBD", "VBN", "VBG", "VBZ")


@cache
def load(name: str) -> dict[str, Any]:
    """One lexicon file, parsed."""
    with (HERE / f"{name}.toml").open("rb") as handle:
        return tomllib.load(handle)


@cache
def verb_forms(lemma: str) -> tuple[str, ...]:
    """Every form of a verb: 'shoot' -> shoot, shot, shooting, shoots (lemminflect, also for verbs
    it has never seen)."""
    from lemminflect import getInflection

    forms = {lemma}
    for tag in _FORMS:
        forms.update(getInflection(lemma, tag, inflect_oov=True))
    return tuple(sorted(forms, key=len, reverse=True))


def _phrase(words: str) -> str:
    return r"\s+".join(re.escape(w) for w in words.split())


def verb_pattern(phrase: str, slots: dict[str, str] | None = None) -> str:
    """'plow into {crowd}' -> (?:plow|plowed|plowing|plows)\\s+into\\s+<crowd>."""
    parts = phrase.split()
    head = "(?:" + "|".join(re.escape(f) for f in verb_forms(parts[0].lower())) + ")"
    rest = []
    for word in parts[1:]:
        slot = re.fullmatch(r"\{(\w+)\}", word)
        rest.append((slots or {})[slot.group(1)] if slot else re.escape(word))
    return r"\s+".join([head, *rest])


def noun_pattern(noun: str) -> str:
    """A noun or noun phrase and its plural ("bomb(s)", "fatality/fatalities")."""
    if re.search(r"[^aeiou]y$", noun):
        return _phrase(noun[:-1]) + r"(?:y|ies)"
    return _phrase(noun) + r"(?:e?s)?"


def alternation(patterns: list[str]) -> str:
    return "|".join(f"(?:{p})" for p in sorted(patterns, key=len, reverse=True))


def compile_words(patterns: list[str], flags: int = re.IGNORECASE) -> re.Pattern[str]:
    """Whole words: any of the patterns, between word boundaries."""
    return re.compile(rf"\b(?:{alternation(patterns)})\b", flags)


# Compared and hashed by identity (one object per type, made once): the default hash would hash
# every compiled pattern's code on each cached lookup.
@dataclass(frozen=True, eq=False)
class EventType:
    name: str
    category: str
    triggers: re.Pattern[str]            # phrases naming such an event
    exclusions: re.Pattern[str] | None   # phrases where those words mean something else
    cues: re.Pattern[str] | None         # words pointing to the type without naming an event
    cue_weight: float
    vehicles: re.Pattern[str] | None     # for crashes: the vehicles of this kind
    deliberate: bool                     # an attack by its nature

    def find(self, text: str) -> tuple[re.Match[str], ...]:
        """Trigger phrases in `text`, except those inside an exclusion. Cached: the rules ask about
        the same sentence many times (its type, its date, whether it tells the event)."""
        return _find(self, text)


@lru_cache(maxsize=16384)
def _find(kind: EventType, text: str) -> tuple[re.Match[str], ...]:
    found = list(kind.triggers.finditer(text))
    if found and kind.exclusions is not None:
        blocked = [m.span() for m in kind.exclusions.finditer(text)]
        found = [m for m in found if not any(a < m.end() and m.start() < b for a, b in blocked)]
    return tuple(found)


@cache
def event_types() -> dict[str, EventType]:
    """The taxonomy's event types with their compiled words, in the order of events.toml."""
    data = load("events")
    slots = data.get("slots", {})
    types: dict[str, EventType] = {}
    for name, entry in data.items():
        if name == "slots":
            continue
        parts = [verb_pattern(v, slots) for v in entry.get("verbs", [])]
        parts += [noun_pattern(n) for n in entry.get("nouns", [])]
        parts += list(entry.get("patterns", []))
        vehicles = entry.get("vehicles", [])
        types[name] = EventType(
            name=name,
            category=entry["category"],
            triggers=compile_words(parts) if parts else re.compile(r"(?!x)x"),
            exclusions=compile_words(entry["not"]) if entry.get("not") else None,
            cues=compile_words([noun_pattern(c) for c in entry["cues"]]) if entry.get("cues") else None,
            cue_weight=float(entry.get("cue_weight", 0.4)),
            vehicles=compile_words([noun_pattern(v) for v in vehicles]) if vehicles else None,
            deliberate=bool(entry.get("deliberate", False)),
        )
    return types


@dataclass(frozen=True)
class Casualties:
    killed: str           # an alternation (no groups) of phrases saying people died
    injured: str          # ... were injured
    taken: str            # ... were kidnapped or held hostage
    harm: re.Pattern[str]             # any sign of harm
    headline_harm: re.Pattern[str]    # a count of harm in a headline
    person: str           # nouns for one person
    people: str           # nouns for several
    no_harm: re.Pattern[str]
    natural_death: re.Pattern[str]


@cache
def casualties() -> Casualties:
    data = load("casualties")

    def section(name: str) -> str:
        entry = data[name]
        parts = [verb_pattern(v) for v in entry.get("verbs", [])]
        parts += list(entry.get("adjectives", []))
        parts += [noun_pattern(n) for n in entry.get("nouns", [])]
        parts += list(entry.get("patterns", []))
        return alternation(parts)

    victims = data["victims"]
    return Casualties(
        killed=section("killed"),
        injured=section("injured"),
        taken=section("taken"),
        harm=compile_words(data["harm"]["words"]),
        headline_harm=compile_words(data["harm"]["headline"]
                                    + [verb_pattern(v) for v in data["harm"].get("headline_verbs", [])]),
        person=alternation([_phrase(w) for w in victims["singular"]]),
        people=alternation([_phrase(w) for w in victims["plural"]]),
        no_harm=compile_words(data["no_harm"]["patterns"]),
        natural_death=compile_words(data["natural_death"]["patterns"]),
    )


@cache
def topic(name: str, key: str = "words") -> re.Pattern[str]:
    """A word list of topics.toml, compiled (case-insensitive, whole words)."""
    return compile_words(load("topics")[name][key])


@cache
def topic_words(name: str, key: str = "words") -> tuple[str, ...]:
    return tuple(load("topics")[name][key])
