"""Which kind of incident an article reports, from the taxonomy in docs/taxonomy.md.

Each event type's words are data (lexicon/events.toml); a phrase in the headline counts most, in
the lead more than further down. A deliberate explosion is a bombing, an accidental one an
explosion; a crash is a rail, air or road crash by the vehicle named near it.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from workers.extraction import lexicon
from workers.extraction.learned import Candidate, Ranker
from workers.extraction.text import Sentence

TYPES = lexicon.event_types()
CATEGORY = {name: kind.category for name, kind in TYPES.items()}
_CRASHES = {name: kind.vehicles for name, kind in TYPES.items() if kind.vehicles is not None}
_GENERIC_EVENT = lexicon.topic("generic_event")
_DELIBERATE = lexicon.topic("deliberate")
# "Police ruled out terrorism": words of attack that deny one.
_NOT_DELIBERATE = lexicon.topic("deliberate", "denied")


def _generic_attack() -> re.Pattern[str]:
    words = lexicon.alternation(list(lexicon.topic_words("generic_attack")))
    before = "".join(f"(?<!{w}\\s)" for w in lexicon.topic_words("generic_attack", "not_before"))
    after = lexicon.alternation(list(lexicon.topic_words("generic_attack", "not_after")))
    return re.compile(rf"{before}\b(?:{words})\b(?!\s+(?:{after}))", re.IGNORECASE)


# An attack whose method is not named; "heart attack" and attacks in words or on goal are not.
_GENERIC_ATTACK = _generic_attack()
_AFTER_ATTACK = re.compile(
    rf"\b(?:{lexicon.alternation(list(lexicon.topic_words('generic_attack', 'after')))})\s+(?:\w+\s+){{0,2}}?"
    r"(?:attack|raid|assault)", re.IGNORECASE)
_HARMED = f"{lexicon.casualties().killed}|{lexicon.casualties().injured}"
_VICTIMS = re.compile(rf"\b(?:{_HARMED})\b", re.IGNORECASE)
_TAKEN = re.compile(rf"\b(?:{lexicon.casualties().taken})\b", re.IGNORECASE)
_HARMED_OR_TAKEN = re.compile(rf"\b(?:{_HARMED}|{lexicon.casualties().taken})\b", re.IGNORECASE)
_CRASH_VERBS = re.compile(r"\b(?:crash|plung|overturn|collid|veer|skidd?|flipp?|careen|derail|ran\s+off|went\s+off)\w*",
                          re.IGNORECASE)
_TOLL = re.compile(r"\b(?:death\s+)?toll\b(?!-free|\s+(?:road|booth|plaza|bridge|charge|free|on))", re.IGNORECASE)
_GENERIC_CRASH = re.compile(rf"\b(?:crash(?:ed|es)?|overturned|collided|collision|plunged|{_HARMED})\b", re.IGNORECASE)


_BOMB_VERBS = {"bomb", "bombs", "bombed"}


def names_any_event(text: str) -> bool:
    """Does the text name an incident of any kind: a trigger of a type, a generic word, or a
    vehicle that crashed ("a bus carrying 57 passengers plunged into a ravine")?"""
    if _GENERIC_EVENT.search(text) or any(kind.find(text) for kind in TYPES.values()):
        return True
    return bool(_CRASH_VERBS.search(text)) and any(vehicle.search(text) for vehicle in _CRASHES.values())


@dataclass(frozen=True)
class EventGuess:
    event_type: str
    category: str
    score: float
    sentence: Sentence | None    # the strongest sentence naming it (evidence)


def sentence_weight(sentence: Sentence) -> float:
    if sentence.source == "title":
        return 3.0
    if sentence.index < 3:
        return 2.0
    if sentence.index < 8:
        return 1.0
    return 0.4


# Hand weights: the fallback when no trained file ships, and the sign each trained weight keeps.
_HAND = {"top": 2.0, "share": 1.0, "first_named": 0.3, "headline": 0.5, "with_harm": 0.5, "with_harm_lead": 0.3,
         "own_harm": 0.5,
         "cue_only": -0.5, "vehicle_only": -0.3}
RANKER: Ranker[str] = Ranker("event_type", _HAND)


def classify(sentences: Iterable[Sentence], primary: bool | None = None) -> EventGuess | None:
    """The event type the sentences tell, or None when nothing names an incident: every type named
    competes on named features (how much and how early it is named, in the headline, beside the
    harm done) and the ranker's weights decide; `primary` says whether this is an article's main
    incident (for training)."""
    sentences = list(sentences)
    scores, best_sentence = type_scores(sentences)
    if not scores:
        return None
    first_named: list[str] = []
    for one in sentences:
        hits = sorted((found[0].start(), kind) for kind, words in TYPES.items() if (found := words.find(one.text)))
        first_named.extend(kind for _, kind in hits if kind not in first_named)
    order = {kind: n for n, kind in enumerate(first_named)}
    total = sum(scores.values()) or 1.0
    top = max(scores.values())
    head = [s for s in sentences if s.source == "title"] or [s for s in sentences if s.index == 0]
    lead = [s for s in sentences if s.source == "title" or s.index < 3]
    lead_scores = type_scores(lead)[0] if lead else {}
    lead_total = sum(lead_scores.values()) or 1.0
    harmed = [s for s in sentences if _HARMED_OR_TAKEN.search(s.text)]
    candidates: list[Candidate[str]] = []
    # On a tie the event named first wins: a story tells what happened before what came of it.
    for kind in sorted(scores, key=lambda k: (-round(scores[k], 6), order.get(k, len(order)))):
        with_harm = sum(1 for s in harmed if names_type(kind, s.text))
        named = any(TYPES[kind].find(s.text) for s in sentences)
        own_harm = _TAKEN if kind == "kidnapping" else _VICTIMS
        candidates.append(Candidate(kind, {
            "top": float(scores[kind] >= top),
            "share": scores[kind] / total,
            "lead_share": lead_scores.get(kind, 0.0) / lead_total,
            "first_named": float(order.get(kind) == 0),
            "headline": float(any(names_type(kind, s.text) for s in head)),
            "with_harm": min(with_harm, 3) / 3,
            "with_harm_lead": float(any(names_type(kind, s.text) for s in harmed if s in lead)),
            # The harm this kind of event does, beside it: people taken for a kidnapping, hurt or
            # killed for the others ("stormed the offices and abducted two women": a kidnapping).
            "own_harm": float(any(names_type(kind, s.text) and own_harm.search(s.text) for s in sentences)),
            "cue_only": float(not named and kind not in _CRASHES and kind != "armed_assault"),
            "vehicle_only": float(not named and kind in _CRASHES),
        }))
    best = RANKER.best(candidates, primary=primary)
    if best is None:
        return None
    kind = best.value
    evidence = best_sentence.get(kind, (0.0, None))[1]
    return EventGuess(kind, CATEGORY[kind], scores[kind], evidence)


def type_scores(sentences: Iterable[Sentence]) -> tuple[dict[str, float], dict[str, tuple[float, Sentence]]]:
    """Weighted trigger counts per event type, and the strongest sentence for each."""
    scores: dict[str, float] = defaultdict(float)
    best_sentence: dict[str, tuple[float, Sentence]] = {}
    deliberate = 0.0
    generic_attack, generic_sentence, headline_attack = 0.0, None, False
    attack_sentences: list[tuple[float, Sentence]] = []
    toll_in_lead = False
    bomb_nouns: set[str] = set()  # what named a bombing other than the verb: "car bomb", "suicide bomber"
    sentences = list(sentences)
    for sentence in sentences:
        weight = sentence_weight(sentence)
        text = sentence.text
        if sentence.source == "title" and _GENERIC_ATTACK.search(text) and not _AFTER_ATTACK.search(text):
            headline_attack = True
        if _GENERIC_ATTACK.search(text):
            attack_sentences.append((weight, sentence))
            if _VICTIMS.search(text):
                generic_attack += weight
                generic_sentence = generic_sentence or (weight, sentence)
        if (sentence.source == "title" or sentence.index < 3) and _TOLL.search(text):
            toll_in_lead = True
        if _DELIBERATE.search(text) and not _NOT_DELIBERATE.search(text):
            deliberate += weight
        named_kinds = set()
        for kind, words in TYPES.items():
            found = words.find(text)
            hits = len(found)
            if hits:
                named_kinds.add(kind)
                if kind == "bombing":
                    bomb_nouns |= {m.group(0).lower() for m in found} - _BOMB_VERBS
                gain = weight * min(hits, 2)
                scores[kind] += gain
                if gain > best_sentence.get(kind, (0.0, sentence))[0]:
                    best_sentence[kind] = (gain, sentence)
            elif words.cues is not None and words.cues.search(text):
                # "gunmen" kidnap, storm and bomb as often as they shoot: a fraction of a trigger.
                scores[kind] += weight * words.cue_weight
                best_sentence.setdefault(kind, (weight * words.cue_weight, sentence))
        # "The bus overturned": a crash of the vehicle named, unless the sentence names another kind of
        # event ("a truck drove into a crowd" is a ramming, not a road crash).
        if _GENERIC_CRASH.search(text) and not named_kinds - set(_CRASHES):
            for kind, vehicle in _CRASHES.items():
                if vehicle.search(text):
                    scores[kind] += weight * 0.8
                    best_sentence.setdefault(kind, (weight, sentence))
    # "Taliban claim attack as toll rises ... The death toll rose to six": the attack and its toll
    # told apart in the lead still make an attack with victims.
    if not generic_attack and toll_in_lead and headline_attack:
        generic_attack = sum(w for w, _ in attack_sentences)
        generic_sentence = attack_sentences[0] if attack_sentences else None
    # "An attack on a hospital that killed 19": an attack with victims but no method named is the
    # taxonomy's armed assault, but only when no kind of attack is named anywhere in the article and
    # the headline (if any) names the attack itself, not something "after" one.
    if (generic_attack and not any(CATEGORY[kind] == "attack" for kind in scores)
            and (not any(s.source == "title" for s in sentences) or headline_attack)):
        scores["armed_assault"] = generic_attack
        best_sentence.setdefault("armed_assault", generic_sentence)  # type: ignore[arg-type]
    if not scores:
        return {}, {}
    # An explosion with attack words around it, or a bomb named, was a bomb; without them, an accident.
    if (deliberate >= 2.0 or scores.get("bombing", 0.0) >= 1.0) and scores.get("explosion"):
        scores["bombing"] += scores.pop("explosion")
        best_sentence.setdefault("bombing", best_sentence.get("explosion", (0.0, None)))  # type: ignore[arg-type]
    # "Planes bombed the town": bombs dropped from the air, where an air strike is named, are one.
    if scores.get("airstrike") and scores.get("bombing") and not bomb_nouns:
        scores["airstrike"] += scores.pop("bombing")
    # "accident" alone is the weakest word: it only decides when nothing more specific is said.
    if "other_accident" in scores and len(scores) > 1:
        scores["other_accident"] *= 0.5
    return dict(scores), best_sentence


def names_type(kind: str, text: str) -> bool:
    """Does this text name an event of this kind (a trigger, or a crashed vehicle of its kind)?"""
    if TYPES[kind].find(text):
        return True
    if kind == "armed_assault" and _GENERIC_ATTACK.search(text):
        return True  # an attack whose method is not named is this type's own word
    vehicle = _CRASHES.get(kind)
    return bool(vehicle and vehicle.search(text) and _GENERIC_CRASH.search(text))
