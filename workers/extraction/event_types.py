"""Which kind of incident an article reports, from the taxonomy in design.md.

Each event type has trigger phrases; a phrase in the headline counts most, in the lead more than
further down. A deliberate explosion is a bombing, an accidental one an explosion; a crash is a
rail, air or road crash by the vehicle named near it.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from workers.extraction.text import Sentence

CATEGORY = {
    **dict.fromkeys(("bombing", "shooting", "stabbing", "vehicle_ramming", "arson", "armed_assault",
                     "airstrike", "kidnapping"), "attack"),
    **dict.fromkeys(("air_crash", "rail_crash", "road_crash", "maritime", "explosion", "fire",
                     "structural_collapse", "stampede", "other_accident"), "accident"),
    **dict.fromkeys(("earthquake", "flood", "storm", "landslide", "wildfire", "volcano", "tsunami",
                     "extreme_weather"), "disaster"),
}

_STRUCTURE = (r"(?:building|bridge|roof|mine|tunnel|dam|wall|stadium|stand|house|block|tower|hotel|factory|"
              r"school|church|mosque|temple|ceiling|balcony|scaffolding|crane|structure|flats)")
_NOT_A_GUNSHOT = (r"(?!\s+(?:the\s+|a\s+|an\s+|his\s+|her\s+|their\s+|its\s+)?(?:new\s+)?(?:film|movie|scene|video|"
                  r"series|episode|documentary|pilot|star|guard|practice|percentage|competition|range))")
# Trigger phrases per event type (regular expressions, matched case-insensitively, plurals too).
_TRIGGERS: dict[str, tuple[str, ...]] = {
    "bombing": (r"bomb(?:s|ing|ings|ed|er|ers)?", r"suicide\s+(?:attack|attacker|bomber|blast)", r"car\s+bomb",
                r"truck\s+bomb", r"explosive(?:s|-laden)?", r"ied", r"detonat\w+", r"blew\s+(?:him|her)self\s+up"),
    "shooting": (rf"shooting{_NOT_A_GUNSHOT}", r"shootings", r"gunfire", r"opened\s+fire",
                 r"shot\s+dead", r"gunshot", r"(?:was|were|been|being|got)\s+shot(?!\s+down)",
                 r"shots\s+(?:were\s+)?fired", r"mass\s+shooting", r"shooter"),
    "stabbing": (r"stabb(?:ed|ing|ings)", r"knife\s+attack", r"knifeman", r"knife-wielding", r"machete\s+attack"),
    "vehicle_ramming": (r"(?:ramm(?:ed|ing)|drove|driven|ploughed|plowed|ploughing|smashed|careered|slammed)\s+"
                        r"(?:(?:a|his|her|their|the|rented|hired|white|\w+)\s+){0,3}?(?:into|through)\s+"
                        r"(?:a\s+|the\s+)?"
                        r"(?:crowds?|pedestrians|people|shoppers|worshippers|cyclists|revellers|tourists|group)",
                        r"mow(?:ed|s|ing)?\s+down", r"vehicle\s+attack", r"(?:truck|van|lorry|car)\s+attack",
                        r"vehicle-ramming", r"ramming\s+attack"),
    "arson": (r"arson", r"arsonist", r"set\s+(?:on\s+)?fire\s+(?:to|deliberately)", r"deliberately\s+(?:set|started)",
              r"firebomb\w*"),
    "armed_assault": (r"militants\s+stormed", r"stormed", r"armed\s+assault", r"attackers", r"siege", r"massacre"),
    "airstrike": (r"air\s*strikes?", r"airstrikes?", r"air\s+raids?", r"drone\s+strikes?", r"bombardment",
                  r"warplanes?"),
    "kidnapping": (r"kidnap(?:ped|ping|pers)?", r"abduct(?:ed|ion|ions)", r"taken\s+hostage", r"hostages?"),
    "air_crash": (r"plane\s+crash", r"air\s+crash",
                  r"(?:plane|aircraft|airliner|jet|helicopter|chopper)\s+(?:crashed|went\s+down|came\s+down)",
                  r"crash(?:ed)?\s+(?:landing|shortly\s+after\s+take-?off)", r"flight\s+\w*\s*crashed"),
    "rail_crash": (r"derail(?:s|ed|ment|ments|ing)?", r"(?:left|came\s+off|jumped)\s+the\s+(?:track|tracks|rails)",
                   r"train\s+(?:crash|collision|accident)", r"tram\s+(?:crash|accident|overturned)",
                   r"(?:train|tram)s?\s+(?:crashed|collided|overturned)", r"rail\s+(?:crash|accident|disaster)"),
    "road_crash": (r"(?:car|bus|coach|lorry|truck|minibus|road|traffic|motorway|highway)\s+"
                   r"(?:crash|accident|collision|smash)",
                   r"(?:bus|minibus|car|lorry|truck|coach|van|tanker)\s+(?:crashed|overturned|plunged|collided|veered)",
                   r"hit-and-run", r"pile-up"),
    "maritime": (r"capsiz\w+", r"shipwreck", r"(?:boat|ship|ferry|vessel)\s+(?:sank|sinking|capsized|disaster)",
                 r"sank", r"sunk"),
    "explosion": (r"explosion", r"exploded", r"blast", r"gas\s+leak", r"fireworks"),
    "fire": (r"fire\s+broke\s+out", r"blaze", r"engulfed", r"caught\s+fire", r"went\s+up\s+in\s+flames",
             r"(?:house|building|factory|hotel|hospital|apartment|tower|club|nightclub|warehouse|market)\s+fire",
             r"(?<!opened\s)(?<!open\s)(?<!cease)fire\s+(?:at|in|on)\s+(?:a|an|the|(?!(?:monday|tuesday|wednesday|"
             r"thursday|friday|saturday|sunday|january|february|march|april|may|june|july|august|september|october|"
             r"november|december)\b)(?-i:[A-Z])\w+)",
             r"fire\s+(?:ripped|tore|swept|raged|spread|gutted|destroyed)", r"burned\s+down", r"firefighters",
             r"(?:killed|died|dies|dead|trapped|injured|hurt)\s+in\s+(?:a|the)\s+(?:\w+\s+)?(?:fire|blaze)"),
    "structural_collapse": (rf"{_STRUCTURE}s?\s+(?:\w+\s+){{0,2}}?(?:collaps(?:e|ed|es|ing)|caved\s+in|gave\s+way)",
                            rf"collapse\s+of\s+(?:a|an|the)\s+(?:\w+\s+)?{_STRUCTURE}"),
    "stampede": (r"stampede", r"crush\s+at", r"crowd\s+crush"),
    "other_accident": (r"(?:fell|fallen|falling|fall|plummeted|plunged|slipped|tumbled)\s+"
                       r"(?:into|down|from|off)"
                       r"(?!\s+(?:a\s+)?coma)",
                       r"trapped\s+(?:down|in)", r"(?:well|shaft|pit)\s+(?:rescue|accident)", r"electrocuted",
                       r"accident"),
    "earthquake": (r"earthquake", r"quake", r"tremor", r"magnitude\s+\d", r"seismic"),
    "flood": (r"flood(?:s|ing|ed|waters)?(?!\s+of\b)", r"flash\s+flood"),
    "storm": (r"hurricane", r"typhoon", r"cyclone", r"tornado", r"storm", r"gales?"),
    "landslide": (r"landslides?", r"mudslides?", r"avalanche"),
    "wildfire": (r"wildfires?", r"bush\s*fires?", r"forest\s+fires?"),
    "volcano": (r"volcan\w+", r"eruption", r"erupted"),
    "tsunami": (r"tsunami",),
    "extreme_weather": (r"heatwave", r"heat\s+wave", r"cold\s+snap", r"blizzard", r"extreme\s+weather",
                        r"freezing\s+temperatures"),
}
# Words that name who did it rather than what happened: "gunmen" kidnap, storm, bomb as often as
# they shoot. They count for a fraction of a trigger.
_WEAK: dict[str, re.Pattern[str]] = {
    "shooting": re.compile(r"\b(?:gunm[ae]n|armed\s+men)\b", re.IGNORECASE),
}
TRIGGER_ALTERNATIVES = "|".join("|".join(p) for p in _TRIGGERS.values())
# Every trigger also in the plural ("explosions", "blasts", "landslides").
_COMPILED = {kind: re.compile(rf"\b(?:{'|'.join(patterns)})(?:e?s)?\b", re.IGNORECASE)
             for kind, patterns in _TRIGGERS.items()}
# Any word naming an incident of any kind: sentences with one are about the event (for its date).
ANY_TRIGGER = re.compile(rf"\b(?:(?:{TRIGGER_ALTERNATIVES})(?:e?s)?|gunm[ae]n|attack(?:ed|s)?|crash(?:ed|es)?|"
                         r"overturn\w*|"
                         r"(?:tipped|turned|flipped)\s+over|struck|raid(?:ed|s)?|collided|incident|tragedy|disaster)\b",
                         re.IGNORECASE)
# Words that make an explosion or a fire deliberate, and a crash of a vehicle an attack.
_DELIBERATE = re.compile(r"\b(?:attack|attacker|terror\w*|suicide|militant|insurgent|bomber|Taliban|jihadist|"
                         r"claimed\s+responsibility)\b", re.IGNORECASE)
# "Police ruled out terrorism": words of attack that deny one.
_NOT_DELIBERATE = re.compile(r"\b(?:ruled\s+out|not\s+(?:being\s+)?treated\s+as|"
                             r"no\s+(?:sign|evidence|indication|suggestion)\s+of|"
                             r"not\s+(?:believed\s+to\s+be\s+)?(?:terror|an\s+attack|deliberate|suspicious))",
                             re.IGNORECASE)
# An attack whose method is not named; "heart attack" and attacks in words or on goal are not.
_GENERIC_ATTACK = re.compile(r"(?<!heart\s)(?<!panic\s)(?<!asthma\s)\b(?:attack(?:s|ed)?|ambush(?:ed|es)?|"
                             r"raid(?:s|ed)?|assault(?:s|ed)?)\b(?!\s+(?:on|against)\s+(?:the\s+)?(?:plan|policy|"
                             r"record|government'?s?|bill|proposals?|decision|budget|claims?|goal))", re.IGNORECASE)
_AFTER_ATTACK = re.compile(
    r"\b(?:after|following|amid|since|over|fears?\s+of)\s+(?:\w+\s+){0,2}?(?:attack|raid|assault)", re.IGNORECASE)
_VICTIMS = re.compile(r"\b(?:killed|killing|dead|died|wounded|wounding|injured|injuring|casualties)\b", re.IGNORECASE)
_GENERIC_CRASH = re.compile(r"\b(?:crash(?:ed|es)?|overturned|collided|collision|plunged|killed|dead|died|injured)\b",
                            re.IGNORECASE)
_VEHICLE = {
    "rail_crash": re.compile(r"\b(?:train|tram|railway|rail|locomotive|carriage|track)s?\b", re.I),
    "air_crash": re.compile(r"\b(?:plane|aircraft|airliner|jet|helicopter|flight|airline)s?\b", re.I),
    "road_crash": re.compile(r"\b(?:car|bus|coach|lorry|truck|minibus|van|motorway|highway|road)s?\b", re.I),
}


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


def classify(sentences: Iterable[Sentence]) -> EventGuess | None:
    """The best-scoring event type over the article, or None when nothing names an incident."""
    sentences = list(sentences)
    scores, best_sentence = type_scores(sentences)
    if not scores:
        return None
    first_named: list[str] = []
    for one in sentences:
        hits = sorted((m.start(), kind) for kind, pattern in _COMPILED.items() if (m := pattern.search(one.text)))
        first_named.extend(kind for _, kind in hits if kind not in first_named)
    # On a tie the event named first wins: a story tells what happened before what came of it.
    order = {kind: n for n, kind in enumerate(first_named)}
    kind = max(scores, key=lambda k: (round(scores[k], 6), -order.get(k, len(order))))
    evidence = best_sentence.get(kind, (0.0, None))[1]
    return EventGuess(kind, CATEGORY[kind], scores[kind], evidence)


def type_scores(sentences: Iterable[Sentence]) -> tuple[dict[str, float], dict[str, tuple[float, Sentence]]]:
    """Weighted trigger counts per event type, and the strongest sentence for each."""
    scores: dict[str, float] = defaultdict(float)
    best_sentence: dict[str, tuple[float, Sentence]] = {}
    deliberate = 0.0
    generic_attack, generic_sentence, headline_attack = 0.0, None, False
    sentences = list(sentences)
    for sentence in sentences:
        weight = sentence_weight(sentence)
        text = sentence.text
        if sentence.source == "title" and _GENERIC_ATTACK.search(text) and not _AFTER_ATTACK.search(text):
            headline_attack = True
        if _GENERIC_ATTACK.search(text) and _VICTIMS.search(text):
            generic_attack += weight
            generic_sentence = generic_sentence or (weight, sentence)
        if _DELIBERATE.search(text) and not _NOT_DELIBERATE.search(text):
            deliberate += weight
        for kind, pattern in _COMPILED.items():
            hits = len(pattern.findall(text))
            if not hits:
                continue
            gain = weight * min(hits, 2)
            scores[kind] += gain
            if gain > best_sentence.get(kind, (0.0, sentence))[0]:
                best_sentence[kind] = (gain, sentence)
        for kind, weak in _WEAK.items():
            if weak.search(text):
                scores[kind] += weight * 0.4
                best_sentence.setdefault(kind, (weight * 0.4, sentence))
        if _GENERIC_CRASH.search(text):
            for kind, vehicle in _VEHICLE.items():
                if vehicle.search(text):
                    scores[kind] += weight * 0.8
                    best_sentence.setdefault(kind, (weight, sentence))
    # "An attack on a hospital that killed 19": an attack with victims but no method named is the
    # taxonomy's armed assault, but only when no kind of attack is named anywhere in the article and
    # the headline (if any) names the attack itself, not something "after" one.
    if (generic_attack and not any(CATEGORY[kind] == "attack" for kind in scores)
            and (not any(s.source == "title" for s in sentences) or headline_attack)):
        scores["armed_assault"] = generic_attack
        best_sentence.setdefault("armed_assault", generic_sentence)  # type: ignore[arg-type]
    if not scores:
        return {}, {}
    # An explosion with attack words around it was a bomb; without them, an accident.
    if deliberate >= 2.0 and scores.get("explosion"):
        scores["bombing"] += scores.pop("explosion")
        best_sentence.setdefault("bombing", best_sentence.get("explosion", (0.0, None)))  # type: ignore[arg-type]
    # "accident" alone is the weakest word: it only decides when nothing more specific is said.
    if "other_accident" in scores and len(scores) > 1:
        scores["other_accident"] *= 0.5
    return dict(scores), best_sentence


def names_type(kind: str, text: str) -> bool:
    """Does this text name an event of this kind (a trigger, or a crashed vehicle of its kind)?"""
    if _COMPILED[kind].search(text):
        return True
    vehicle = _VEHICLE.get(kind)
    return bool(vehicle and vehicle.search(text) and _GENERIC_CRASH.search(text))
